from django.urls import path

from mamori.checklist import views

app_name = "checklist"

urlpatterns = [
    path("", views.ChecklistListView.as_view(), name="response_list"),
    path("start/", views.StartView.as_view(), name="start"),
    path("vendors/", views.AssignVendorsView.as_view(), name="assign_vendors"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("<int:pk>/", views.ResponseDetailView.as_view(), name="response_detail"),
    path("<int:pk>/items/<str:number>/", views.AnswerView.as_view(), name="answer"),
    path("<int:pk>/items/<str:number>/evidence/", views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("<int:pk>/export/<str:fmt>/", views.ExportView.as_view(), name="export"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
]
