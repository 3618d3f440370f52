"""The sample archive (README.md here), installed as the ``presse.seeds`` package.

``presse serve`` indexes it when the index is missing or empty, and finds it with
``importlib.resources`` wherever Presse is installed. Not an article: ``presse index seeds/``
reads only the formats it knows (.txt, .json, .jsonl, .html…) and passes over this file.
"""
