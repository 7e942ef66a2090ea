import os

# Piccolo resolves its engine from this module on first query; set it before any table is touched.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
