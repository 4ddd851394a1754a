from django.urls import path

from mamori.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("hosts/<str:host>/", views.HostTimelineView.as_view(), name="host_timeline"),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/new/", views.SourceEditView.as_view(), name="source_create"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source_detail"),
    path("sources/<int:pk>/edit/", views.SourceEditView.as_view(), name="source_edit"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("exclusions/", views.ExclusionListView.as_view(), name="exclusion_list"),
    path("exclusions/new/", views.ExclusionEditView.as_view(), name="exclusion_create"),
    path("exclusions/<int:pk>/edit/", views.ExclusionEditView.as_view(), name="exclusion_edit"),
]
