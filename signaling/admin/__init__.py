"""The admin web page: live network view, KPIs, history and management (docs/admin.md)."""
