from django.urls import path

from mamori.web import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
]
