"""Who can read a file with sensitive findings: its owner, group, mode bits and POSIX ACL (`probe`), how broad
that is (`ExposureLevel`), and the narrower mode and ACL a `tighten_access` action proposes (`tighten`)."""
