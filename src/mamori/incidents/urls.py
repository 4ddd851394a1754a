from django.urls import path

from mamori.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident_list"),
    path("alerts/", views.AlertsAddView.as_view(), name="alerts_add_any"),
    path("new/", views.IncidentCreateView.as_view(), name="incident_create"),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("<int:pk>/edit/", views.IncidentEditView.as_view(), name="incident_edit"),
    path("<int:pk>/entries/", views.EntryAddView.as_view(), name="entry_add"),
    path("<int:pk>/phase/", views.PhaseChangeView.as_view(), name="phase_change"),
    path("<int:pk>/alerts/", views.AlertsAddView.as_view(), name="alerts_add"),
]
