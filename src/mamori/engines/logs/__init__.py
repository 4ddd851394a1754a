"""Log detection engine: readers that normalise events, and Sigma rule evaluation over them (no Django).

An event is a flat `dict[str, Any]` keeping the Windows field names Sigma rules expect:
`Channel`, `EventID` (int), `Computer`, `EventRecordID` (int), `TimeCreated` (aware UTC datetime, from
`System/TimeCreated/@SystemTime`, never the record header), `Provider_Name`, every `EventData`/`UserData` field
under its own name; plus `_source` (file name) and `_offset` (record number in the file) for the timeline.
"""
