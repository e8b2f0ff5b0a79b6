"""The watch daemon: file-share events and reconciliation walks feed a persistent queue that workers scan."""
