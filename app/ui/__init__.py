"""Qt presentation: windows, dialogs and item models. Calls app.services, never the ORM."""
