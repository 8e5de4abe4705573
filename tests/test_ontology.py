"""The ontology parses in rdflib and loads in owlready2; the vocabularies hold what code needs."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import owlready2
from rdflib import Graph
from rdflib.namespace import OWL, RDF, SKOS

from policygraph.ontology import FILES, PG, ontology_graph, path, vocabulary

GOLD_INDICATORS = {
    "bhyt_coverage",
    "primary_care_bhyt_paid",
    "health_managed",
    "high_risk_annual_checkup",
    "station_with_doctor",
    "village_health_worker",
    "station_ncd_management",
    "commune_health_criteria",
    "electronic_health_record",
    "cashless_payment",
    "online_public_services",
}


def test_each_file_parses_in_rdflib() -> None:
    for name in FILES:
        assert len(Graph().parse(path(name), format="turtle")) > 0, name


def test_ontology_loads_in_owlready2(tmp_path: Path) -> None:
    nt = tmp_path / "policygraph.nt"
    ontology_graph().serialize(nt, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
    classes = {c.name for c in onto.classes()} | {c.name for c in world.classes()}
    assert {"Document", "Plan", "Directive", "Target", "Task", "Agency", "Jurisdiction"} <= classes
    props = {p.name for p in world.object_properties()}
    assert {"implements", "cites", "within", "issuedBy"} <= props


def test_lineage_properties_align_to_eli() -> None:
    g = ontology_graph()
    eli = "http://data.europa.eu/eli/ontology#"
    assert (PG.implements, None, None) in g
    supers = {str(o) for o in g.objects(PG.implements, OWL.inverseOf)} | {
        str(o) for o in g.objects(PG.implements, __import__("rdflib").RDFS.subPropertyOf)
    }
    assert eli + "applies" in supers
    assert eli + "implements" not in supers  # deprecated in ELI


def test_indicator_scheme_has_the_eleven_keys_with_both_labels() -> None:
    v = vocabulary()
    assert set(v.indicator_by_key) == GOLD_INDICATORS
    for ind in v.indicators:
        assert ind.label_vi and ind.label_en, ind.key
        assert ind.phrases or ind.patterns, ind.key
    g = ontology_graph()
    assert len(set(g.subjects(SKOS.inScheme, PG.indicators))) == 11


def test_labels_are_nfc() -> None:
    for s, p, o in ontology_graph():
        if hasattr(o, "language") and o.language == "vi":
            assert unicodedata.normalize("NFC", str(o)) == str(o), (s, p)


def test_jurisdictions_have_levels_and_a_parent() -> None:
    v = vocabulary()
    provinces = [j for j in v.jurisdictions if j.level == "province"]
    assert len(provinces) >= 63
    assert all(j.within == "vn" for j in provinces)
    assert sum(j.central_city for j in provinces) >= 5
    g = ontology_graph()
    assert (None, RDF.type, PG.Jurisdiction) in g
