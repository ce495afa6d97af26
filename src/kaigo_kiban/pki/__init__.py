"""Platform PKI: the certificate authority, client and signing certificates, TLS serving."""
