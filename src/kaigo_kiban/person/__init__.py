"""The person portal: card sign-in, my data, access history, consent, proxies, notices."""
