"""Portal: subsidy rules and applications, municipal readiness schedule, vendors, inquiries."""
