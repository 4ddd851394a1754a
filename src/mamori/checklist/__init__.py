"""The MHLW checklist of each fiscal year: answers with dates, evidence files, suggestions from live data, exports."""
