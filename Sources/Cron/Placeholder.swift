// Cron
