"""``EngineSettings``: the limits and cache sizes an ``Archive`` is given take effect, and the
defaults are the values Presse ships with (issue 17: tuning values in one typed object, not
module globals patched in place)."""

from __future__ import annotations

import pytest

from presse.search import Archive, EngineSettings


def test_a_prefix_expands_to_at_most_max_expansion_terms(archive_dir):
    with Archive(archive_dir) as wide, Archive(archive_dir, settings=EngineSettings(max_expansion=1)) as narrow:
        everything = wide.search("pr*", per_page=100, collapse=False)
        one = narrow.search("pr*", per_page=100, collapse=False)
        assert 0 < one.total < everything.total
        assert {h.id for h in one.hits} <= {h.id for h in everything.hits}


def test_the_page_cache_keeps_at_most_page_cache_pages(archive_dir):
    with Archive(archive_dir, settings=EngineSettings(page_cache=2)) as archive:
        for q in ("russie", "gaz", "grève", "pétrole"):
            archive.search(q)
        assert len(archive._cache) == 2


def test_facets_list_at_most_max_facet_values(archive_dir):
    with Archive(archive_dir) as full, Archive(archive_dir, settings=EngineSettings(max_facet_values=1)) as short:
        assert len(full.search("").facets["source"]) > 1
        assert len(short.search("").facets["source"]) == 1


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "64"])
def test_a_bad_setting_is_refused_in_french(bad):
    with pytest.raises(ValueError, match="max_expansion invalide"):
        EngineSettings(max_expansion=bad)


def test_settings_must_be_engine_settings(archive_dir):
    with pytest.raises(TypeError, match="settings attend un search.settings.EngineSettings"):
        Archive(archive_dir, settings={"max_expansion": 1})
