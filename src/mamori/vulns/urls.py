from django.urls import path

from mamori.vulns import feed_views, views

app_name = "vulns"

urlpatterns = [
    path("", views.FindingListView.as_view(), name="finding_list"),
    path("by-vulnerability/", views.VulnerabilityListView.as_view(), name="vulnerability_list"),
    path("findings/<int:pk>/", views.FindingDetailView.as_view(), name="finding_detail"),
    path("cve/<str:cve_id>/", views.CveDetailView.as_view(), name="cve_detail"),
    path("feeds/", feed_views.FeedListView.as_view(), name="feed_list"),
    path("match/", feed_views.MatchRunView.as_view(), name="match"),
    path("reports/", feed_views.ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", feed_views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/markdown/", feed_views.ReportMarkdownView.as_view(), name="report_markdown"),
]
