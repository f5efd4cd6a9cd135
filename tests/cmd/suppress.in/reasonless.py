import os

# slsguard:ignore secret-aws-access-key-id
OLD_KEY = "AKIAXG5TQ2LMNB7RPW3Z"
# slsguard:ignore secret-no-such-rule the id is misspelt
NEW_KEY = os.environ["NEW_KEY"]
