"""Modal dialogs: each asks one question over the current screen and dismisses with the answer."""
