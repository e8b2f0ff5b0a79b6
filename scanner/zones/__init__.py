"""Zone policies: folders of a share where some personal data must not be, judged after each file's scan."""
