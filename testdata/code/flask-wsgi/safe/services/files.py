def read(name):
    with open(f"/srv/files/{name}") as fh:
        return fh.read()
