from django.urls import path

from mamori.backups import views

app_name = "backups"

urlpatterns = [
    path("", views.JobListView.as_view(), name="job_list"),
    path("new/", views.JobEditView.as_view(), name="job_create"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("<int:pk>/edit/", views.JobEditView.as_view(), name="job_edit"),
    path("<int:pk>/procedure/", views.ProcedureDownloadView.as_view(), name="job_procedure"),
    path("<int:pk>/verify/", views.VerifyView.as_view(), name="job_verify"),
    path("<int:pk>/drill/", views.DrillRunView.as_view(), name="job_drill_run"),
    path("<int:pk>/drills/", views.DrillCreateView.as_view(), name="job_drill_record"),
    path("<int:pk>/copies/", views.CopyCreateView.as_view(), name="copy_create"),
    path("copies/<int:pk>/edit/", views.CopyEditView.as_view(), name="copy_edit"),
]
