"""Zone-violation alerts: the [alerts] config, the channels (syslog, e-mail, webhook) and the dispatcher that
delivers them from a persistent outbox (de-duplicated, rate-limited, retried, never blocking a scan)."""
