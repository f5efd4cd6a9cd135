# Test fixture of the stand-in package: a throwaway key for TLS tests.
TEST_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA6LOEwyq9LxK7DtP7TJurS0s9/cGsNdbs05hqP1QpJ/yFoBLI
24CMMUnXEFzg3B+je6BOLzLD3SGGUreKq7w75YYOu+i0rcXYkseIGzaeUCiNdiRU
3U/7PQ1msuuHBDvqGiZuAonz/+50DUNsgxAmS4OJEhSPSJQDuCgVJGUpt3r/Zzv7
-----END RSA PRIVATE KEY-----"""
