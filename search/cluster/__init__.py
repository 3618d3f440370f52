"""Presse over a sharded Xapian cluster (issue 18): the same analysis, query language and results,
with the articles spread over ``xapian-tcpsrv`` shard servers.

Optional: Xapian is GPL-2.0-or-later and installed with ``pip install -e '.[cluster]'``. Only this
package imports ``xapian``, and nothing imports this package unless a cluster is configured.
``config`` needs no Xapian (a bad cluster file is reported without it).
"""
