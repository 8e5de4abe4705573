"""The graph package: IRIs, a Record as RDF, and the pyoxigraph store on disk."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from policygraph.errors import NotFoundError, QueryError, StoreError
from policygraph.graph import (
    Store,
    document_id,
    document_iri,
    document_iri_from_id,
    graph_iri,
    ingest_records,
    jurisdiction_iri,
    record_document_iri,
    record_graph,
    record_graph_iri,
    slug,
)
from policygraph.loaders.record import (
    Agency,
    DocumentInfo,
    Jurisdiction,
    Record,
    Reference,
    Signer,
    Target,
)
from policygraph.ontology import ONTOLOGY_IRI, PG

BASE = "https://data.policygraph.org/"
DIRECTIVE = BASE + "eli/vn/directive/2025/99-ct-tw"
DECISION = BASE + "eli/vn/decision/2025/888-qd-ttg"
PROVINCE_PLAN = BASE + "eli/vn-quang-ngai/plan/2025/120-kh-ubnd"


# ---------------------------------------------------------------- records built by hand


def directive() -> Record:
    return Record(
        source="corpus/01_chi-thi-99-ct-tw.txt",
        loader="text",
        content_hash="a1" * 32,
        document=DocumentInfo(
            type="directive",
            number="99-CT/TW",
            date="2025-03-15",
            title="Chỉ thị về tăng cường công tác y tế trường học",
            level="central",
            jurisdiction=Jurisdiction(name="Việt Nam", level="central", key="vn"),
            issuer=Agency(name="Ban Bí thư", kind="party_secretariat"),
            signer=Signer(name="Đinh Quang Thái", on_behalf_of="Ban Bí thư"),
        ),
        targets=[
            Target("bhyt_coverage", "Tỷ lệ tham gia BHYT", ">", 95.0, "%", 2030, (500, 560)),
        ],
    )


def province_plan() -> Record:
    return Record(
        source="/data/corpus/03_ke-hoach-tinh-a.txt",
        loader="text",
        content_hash="b2" * 32,
        document=DocumentInfo(
            type="plan",
            number="120/KH-UBND",
            date="2025-07-10",
            title="Kế hoạch thực hiện Chỉ thị số 99-CT/TW",
            level="province",
            jurisdiction=Jurisdiction(
                name="Quảng Ngãi",
                level="province",
                within="Việt Nam",
                key="vn-quang-ngai",
                within_key="vn",
            ),
            issuer=Agency(name="Ủy ban nhân dân tỉnh Quảng Ngãi", kind="provincial_people_committee"),
            signer=Signer(name="Đoàn Minh Khải", title="Phó Chủ tịch", on_behalf_of="Ủy ban nhân dân"),
        ),
        references=[
            # No jurisdiction stated: a central issuer puts the decision in "vn".
            Reference(
                "decision",
                "888/QĐ-TTg",
                "2025-05-20",
                Agency("Thủ tướng Chính phủ", "prime_minister"),
                "implements",
                (100, 160),
                text="Thực hiện Quyết định số 888/QĐ-TTg ngày 20/5/2025",
            ),
            Reference(
                "directive",
                "99-CT/TW",
                "2025-03-15",
                Agency("Ban Bí thư", "party_secretariat"),
                "implements",
                (170, 220),
                text="Chỉ thị số 99-CT/TW ngày 15/3/2025",
            ),
            # The same directive again: one node, two mentions.
            Reference(
                "directive",
                "99-CT/TW",
                "2025-03-15",
                Agency(None, "party_secretariat"),
                "implements",
                (900, 920),
                text="Chỉ thị số 99-CT/TW",
            ),
            # No date: the year comes from the number.
            Reference(
                "resolution",
                "91/2024/NQ-HĐND",
                None,
                Agency("Hội đồng nhân dân tỉnh", "provincial_people_council"),
                "cites",
                (230, 260),
            ),
            # No number: skipped.
            Reference("plan", None, None, Agency(None, None), "cites", (270, 280)),
        ],
        targets=[
            Target("bhyt_coverage", "Tỷ lệ tham gia BHYT", ">=", 93.0, "%", 2025, (300, 340), "đạt 93%"),
            Target("bhyt_coverage", "Tỷ lệ tham gia BHYT", ">", 95.0, "%", 2030, (350, 390), "trên 95%"),
            Target(None, "Tỷ lệ trường học có nhân viên y tế", ">=", 80.5, "%", 2030, (400, 450)),
        ],
        warnings=["ngày ban hành viết tay"],
    )


def district_plan() -> Record:
    return Record(
        source="05_ke-hoach-huyen.txt",
        loader="text",
        content_hash="c3" * 32,
        document=DocumentInfo(
            type="plan",
            number="30/KH-UBND",
            date="2025-07-28",
            level="district",
            jurisdiction=Jurisdiction(name="Mộ Đức", level="district", within="Quảng Ngãi", within_key="vn-quang-ngai"),
            issuer=Agency(name="Ủy ban nhân dân huyện Mộ Đức", kind="district_people_committee"),
        ),
        references=[
            # The province plan, named without a place: the issuer's level finds the province.
            Reference(
                "plan",
                "120/KH-UBND",
                "2025-07-10",
                Agency("UBND tỉnh", "provincial_people_committee"),
                "implements",
                (50, 90),
            ),
        ],
        targets=[Target("bhyt_coverage", "Tỷ lệ tham gia BHYT", ">", 98.0, "%", 2030, (200, 230))],
    )


def unnamed_district_plan() -> Record:
    return Record(
        source="ke-hoach-huyen-hp.txt",
        loader="text",
        content_hash="sha256:" + "d4" * 32,
        document=DocumentInfo(
            type="plan",
            number=None,
            number_form="KH-UBND",
            date="2024-05",
            jurisdiction=Jurisdiction(level="district", within="Hải Phòng", within_key="vn-hai-phong"),
            issuer=Agency(name="Ủy ban nhân dân huyện", kind="district_people_committee"),
        ),
    )


def ingest(store: Store, records: list[Record]) -> list[str]:
    return ingest_records(store, records, BASE)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store") as opened:
        yield opened


def named_graphs(dataset: Dataset) -> dict[str, Graph]:
    """The non-empty graphs of a dataset by name, each as a plain Graph."""
    found: dict[str, Graph] = {}
    for context in dataset.graphs():
        if len(context):
            g = Graph()
            for triple in context:
                g.add(triple)
            found[str(context.identifier)] = g
    return found


def assert_same_dataset(a: Dataset, b: Dataset) -> None:
    graphs_a, graphs_b = named_graphs(a), named_graphs(b)
    assert graphs_a.keys() == graphs_b.keys()
    for name, g in graphs_a.items():
        assert to_isomorphic(g) == to_isomorphic(graphs_b[name]), name


# ---------------------------------------------------------------- IRIs


def test_slug() -> None:
    assert slug("281/QĐ-TTg") == "281-qd-ttg"
    assert slug("25-CT/TW") == "25-ct-tw"
    assert slug("20/2023/NQ-HĐND") == "20-2023-nq-hdnd"
    assert slug("  Bà Rịa - Vũng Tàu ") == "ba-ria-vung-tau"


def test_document_iri_and_id() -> None:
    iri = document_iri(
        BASE,
        jurisdiction="vn",
        doc_type="directive",
        year=2023,
        number="25-CT/TW",
        content_hash=None,
    )
    assert iri == BASE + "eli/vn/directive/2023/25-ct-tw"
    assert document_id(iri, BASE) == "vn/directive/2023/25-ct-tw"
    assert document_iri_from_id("vn/directive/2023/25-ct-tw", BASE) == iri
    draft = document_iri(
        BASE,
        jurisdiction="vn-hai-phong/unnamed-district",
        doc_type="plan",
        year=None,
        number=None,
        content_hash="0123456789abcdef",
    )
    assert draft == BASE + "eli/vn-hai-phong/unnamed-district/plan/undated/h-0123456789ab"
    assert document_iri_from_id(document_id(draft, BASE), BASE) == draft
    with pytest.raises(NotFoundError):
        document_iri_from_id("vn/directive/2023/x> } DROP ALL {", BASE)


def test_graph_and_jurisdiction_iris() -> None:
    a = graph_iri(BASE, "/data/corpus/03_ke-hoach-tinh-a.txt")
    assert a == graph_iri(BASE, "03_ke-hoach-tinh-a.txt")  # folders do not count
    assert a.startswith(BASE + "graph/03-ke-hoach-tinh-a-txt-")
    assert jurisdiction_iri("vn-nghe-an") == "https://w3id.org/policygraph/id/jurisdiction/vn-nghe-an"
    assert jurisdiction_iri("vn-hai-phong/unnamed-district") == (
        "https://w3id.org/policygraph/id/jurisdiction/vn-hai-phong/unnamed-district"
    )


def test_record_iris_are_stable() -> None:
    assert record_document_iri(province_plan(), BASE) == PROVINCE_PLAN
    assert record_document_iri(directive(), BASE) == DIRECTIVE
    first, second = record_graph(province_plan(), BASE), record_graph(province_plan(), BASE)
    assert set(first) == set(second)  # no blank nodes: the very same triples
    assert isomorphic(first, second)


# ---------------------------------------------------------------- a record as RDF


def test_record_graph_content() -> None:
    g = record_graph(province_plan(), BASE)
    d = URIRef(PROVINCE_PLAN)
    assert (d, RDF.type, PG.Plan) in g and (d, RDF.type, PG.Document) in g
    assert g.value(d, PG.date) == Literal("2025-07-10", datatype=XSD.date)
    assert g.value(d, PG.year) == Literal(2025)
    assert g.value(d, PG.level) == PG.province
    assert g.value(d, PG.sourceFile) == Literal("03_ke-hoach-tinh-a.txt")
    assert g.value(d, PG.jurisdiction) == URIRef(jurisdiction_iri("vn-quang-ngai"))
    issuer = g.value(d, PG.issuedBy)
    assert issuer == URIRef(BASE + "agency/vn-quang-ngai/provincial_people_committee")
    assert g.value(issuer, PG.name) == Literal("Ủy ban nhân dân tỉnh Quảng Ngãi", lang="vi")
    signature = g.value(d, PG.signedBy)
    assert signature == URIRef(PROVINCE_PLAN + "#signature")
    assert g.value(g.value(signature, PG.signer), PG.name) == Literal("Đoàn Minh Khải")

    assert set(g.objects(d, PG.implements)) == {URIRef(DECISION), URIRef(DIRECTIVE)}
    resolution = URIRef(BASE + "eli/vn-quang-ngai/resolution/2024/91-2024-nq-hdnd")
    assert set(g.objects(d, PG.cites)) == {resolution}
    assert g.value(resolution, PG.year) == Literal(2024)
    assert g.value(URIRef(DECISION), PG.issuedBy) == URIRef(BASE + "agency/vn/prime_minister")
    assert list(g.objects(URIRef(DIRECTIVE), PG.number)) == [Literal("99-CT/TW")]
    mentions = list(g.objects(d, PG.mention))
    assert len(mentions) == 4  # two of the directive, none for the reference without a number
    assert len(set(g.subjects(PG.mentions, URIRef(DIRECTIVE)))) == 2

    targets = list(g.objects(d, PG.target))
    assert len(targets) == 3
    t2025 = URIRef(PROVINCE_PLAN + "#target-bhyt_coverage-2025")
    assert g.value(t2025, PG.value) == Literal("93", datatype=XSD.decimal)
    assert g.value(t2025, PG.comparator) == Literal(">=")
    assert g.value(t2025, PG.label) == Literal("Tỷ lệ tham gia BHYT", lang="vi")
    unknown = URIRef(PROVINCE_PLAN + "#target-x-ty-le-truong-hoc-co-nhan-vien-y-te-2030")
    assert (d, PG.target, unknown) in g and g.value(unknown, PG.indicator) is None


def test_no_literal_is_none() -> None:
    for record in (directive(), province_plan(), district_plan(), unnamed_district_plan()):
        for _, _, o in record_graph(record, BASE):
            assert str(o) != "None"


def test_unnamed_district() -> None:
    record = unnamed_district_plan()
    iri = record_document_iri(record, BASE)
    assert iri == BASE + "eli/vn-hai-phong/unnamed-district/plan/2024/h-" + "d4" * 6
    g = record_graph(record, BASE)
    d = URIRef(iri)
    j = URIRef(jurisdiction_iri("vn-hai-phong/unnamed-district"))
    assert g.value(d, PG.jurisdiction) == j
    assert g.value(d, PG.date) == Literal("2024-05", datatype=XSD.gYearMonth)
    assert g.value(d, PG.number) is None and g.value(d, PG.numberForm) == Literal("KH-UBND")
    assert (j, RDF.type, PG.Jurisdiction) in g
    assert g.value(j, PG.level) == PG.district
    assert g.value(j, PG.within) == URIRef(jurisdiction_iri("vn-hai-phong"))
    assert g.value(j, RDFS.label) == Literal("huyện (không nêu tên), Hải Phòng", lang="vi")
    assert g.value(d, PG.issuedBy) == URIRef(BASE + "agency/vn-hai-phong/unnamed-district/district_people_committee")


def test_named_district_outside_the_vocabulary() -> None:
    g = record_graph(district_plan(), BASE)
    j = URIRef(jurisdiction_iri("vn-quang-ngai/district-mo-duc"))
    assert g.value(j, RDFS.label) == Literal("Mộ Đức", lang="vi")
    assert g.value(j, PG.within) == URIRef(jurisdiction_iri("vn-quang-ngai"))
    # The province plan it implements is found at the province, where it was issued.
    d = URIRef(record_document_iri(district_plan(), BASE))
    assert list(g.objects(d, PG.implements)) == [URIRef(PROVINCE_PLAN)]


def test_control_characters_are_cleaned(store: Store) -> None:
    record = directive()
    record.document.title = "Chỉ thị\x0b về\x00 y tế\r\ntrường học\tmới"
    record.targets[0].text = "trên\x0c 95%"
    g = record_graph(record, BASE)
    title = g.value(URIRef(DIRECTIVE), PG.title)
    assert title == Literal("Chỉ thị về y tế\ntrường học\tmới")
    ingest(store, [record])
    rows = store.select("SELECT ?t WHERE { ?d pg:title ?t }")
    assert rows == [{"t": "Chỉ thị về y tế\ntrường học\tmới"}]
    # RDF/XML and SPARQL XML results would fail on an illegal character.
    xml = store.serialize_results(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "application/rdf+xml")
    Graph().parse(data=xml, format="xml")


# ---------------------------------------------------------------- the store


def test_ingest_twice_is_idempotent(tmp_path: Path) -> None:
    with Store.open(tmp_path / "once") as once, Store.open(tmp_path / "twice") as twice:
        ingest(once, [province_plan()])
        ingest(twice, [province_plan()])
        ingest(twice, [province_plan()])
        assert len(once) == len(twice) == len(record_graph(province_plan(), BASE))
        assert_same_dataset(once.to_rdflib_dataset(), twice.to_rdflib_dataset())


def test_ingest_order_does_not_matter(tmp_path: Path) -> None:
    records = [directive(), province_plan(), district_plan(), unnamed_district_plan()]
    with Store.open(tmp_path / "a") as a, Store.open(tmp_path / "b") as b:
        iris = ingest(a, records)
        ingest(b, list(reversed(records)))
        assert sorted(iris) == a.graphs() == b.graphs()
        assert_same_dataset(a.to_rdflib_dataset(), b.to_rdflib_dataset())


def test_store_matches_record_graph(store: Store) -> None:
    record = province_plan()
    (name,) = ingest(store, [record])
    assert name == record_graph_iri(record, BASE)
    stored = named_graphs(store.to_rdflib_dataset())[name]
    assert isomorphic(stored, record_graph(record, BASE))


def test_cited_document_becomes_the_same_node(store: Store) -> None:
    ingest(store, [province_plan()])
    query = """
        SELECT DISTINCT ?d ?type ?number ?date ?issuer WHERE {
          ?d pg:number ?number ; a ?type ; pg:date ?date ; pg:issuedBy ?issuer .
          FILTER(?type != pg:Document)
        }"""
    bindings = {"number": Literal("99-CT/TW")}
    cited = store.select(query, bindings=bindings)
    ingest(store, [directive()])
    ingested = store.select(query, bindings=bindings)
    expected = {
        "d": DIRECTIVE,
        "type": str(PG.Directive),
        "number": "99-CT/TW",
        "date": "2025-03-15",
        "issuer": BASE + "agency/vn/party_secretariat",
    }
    assert cited == [expected]
    assert ingested == [expected]
    # The link now reaches the ingested document's own facts.
    rows = store.select(
        "SELECT ?plan ?title WHERE { ?plan pg:implements ?d . ?d pg:title ?title }",
        bindings={"plan": PROVINCE_PLAN},
    )
    assert [row["title"] for row in rows] == ["Chỉ thị về tăng cường công tác y tế trường học"]


def test_reingest_replaces_the_graph_whole(store: Store) -> None:
    record = province_plan()
    (name,) = ingest(store, [record])
    changed = copy.deepcopy(record)
    changed.targets = changed.targets[:1]
    changed.targets[0].value = 94.0
    changed.references = changed.references[:1]
    changed.warnings = []
    ingest(store, [changed])
    stored = named_graphs(store.to_rdflib_dataset())[name]
    assert isomorphic(stored, record_graph(changed, BASE))
    assert not store.select("SELECT ?w WHERE { ?d pg:warning ?w }")
    values = store.select("SELECT ?v WHERE { ?t pg:value ?v }")
    assert values == [{"v": 94.0}]
    assert not store.select(f"SELECT ?x WHERE {{ ?x pg:number ?n }} VALUES ?x {{ <{DIRECTIVE}> }}")


def test_remove_document_and_vocabulary(store: Store) -> None:
    (name,) = ingest(store, [directive()])
    store.load_vocabulary()
    store.load_vocabulary()  # replaces, does not duplicate
    assert store.graphs() == sorted([name, ONTOLOGY_IRI])
    rows = store.select(
        "SELECT ?label WHERE { ?d a pg:Document ; pg:jurisdiction ?j . ?j skos:prefLabel ?label "
        "FILTER(lang(?label) = 'vi') }"
    )
    assert rows == [{"label": "Việt Nam"}]
    store.remove_document(name)
    store.remove_document(name)  # nothing left: no error
    assert store.graphs() == [ONTOLOGY_IRI]


def test_query_with_bindings(store: Store) -> None:
    ingest(store, [directive(), province_plan(), district_plan()])
    query = """
        SELECT ?doc ?indicator ?year ?value ?comparator ?unit WHERE {
          ?doc pg:target ?t .
          ?t pg:indicator ?indicator ; pg:targetYear ?year ; pg:value ?value ;
             pg:comparator ?comparator .
          OPTIONAL { ?t pg:missing ?unit }
        } ORDER BY ?value"""
    rows = store.select(
        query,
        bindings={
            "indicator": "https://w3id.org/policygraph/id/indicator/bhyt_coverage",
            "year": 2030,
        },
    )
    assert [row["value"] for row in rows] == [95.0, 95.0, 98.0]
    assert all(row["year"] == 2030 and "unit" not in row for row in rows)
    assert isinstance(rows[0]["year"], int)
    # Only projected variables can be bound.
    with pytest.raises(QueryError):
        store.select("SELECT ?t WHERE { ?t pg:targetYear ?year }", bindings={"year": 2030})
    ask = store.query("ASK { ?d pg:year ?y }", bindings={"y": 2025})
    assert json.loads(Store.serialize_results(ask, "application/sparql-results+json")) == {
        "head": {},
        "boolean": True,
    }


def test_bad_queries_raise_query_error(store: Store) -> None:
    with pytest.raises(QueryError) as info:
        store.query("SELEC ?x WHERE { ?x ?p ?o }")
    assert "1:" in str(info.value)  # the parser's position
    with pytest.raises(QueryError):
        store.select("ASK { ?s ?p ?o }")
    with pytest.raises(QueryError):
        store.update("INSERT DATA { <x:a> <x:b> ")
    with pytest.raises(QueryError):
        store.query("SELECT ?x WHERE { ?x ?p ?o }", bindings={"x": "https://bad iri"})


def test_default_and_named_graphs(store: Store) -> None:
    plan_graph, directive_graph = ingest(store, [province_plan(), directive()])
    query = "SELECT DISTINCT ?title WHERE { ?d pg:title ?title } ORDER BY ?title"
    assert len(store.select(query)) == 2
    only = store.select(query, default_graph=[directive_graph])
    assert only == [{"title": "Chỉ thị về tăng cường công tác y tế trường học"}]
    rows = store.select("SELECT ?g WHERE { GRAPH ?g { ?d pg:title ?t } }", named_graphs=[plan_graph])
    assert rows == [{"g": plan_graph}]


def test_serialize_results_and_dump(store: Store) -> None:
    ingest(store, [directive()])
    select = "SELECT ?n ?y WHERE { ?d pg:number ?n ; pg:year ?y }"
    body = Store.serialize_results(store.query(select), "application/sparql-results+json")
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "99-CT/TW"
    csv = Store.serialize_results(store.query(select), "text/csv; charset=utf-8")
    assert csv.splitlines()[0] == b"n,y"
    xml = Store.serialize_results(store.query(select), "application/sparql-results+xml")
    assert b"<sparql" in xml
    tsv = Store.serialize_results(store.query(select), "text/tab-separated-values")
    assert b"99-CT/TW" in tsv
    construct = "CONSTRUCT { ?d pg:number ?n } WHERE { ?d pg:number ?n }"
    for media_type, fmt in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/n-quads", "nquads"),
    ]:
        data = Store.serialize_results(store.query(construct), media_type)
        g = Graph().parse(data=data, format=fmt)
        assert (URIRef(DIRECTIVE), PG.number, Literal("99-CT/TW")) in g
    with pytest.raises(QueryError):
        Store.serialize_results(store.query(select), "text/turtle")
    for fmt in ("application/n-quads", "application/trig", "nquads", "trig"):
        data = store.dump(fmt)
        Dataset().parse(data=data, format="trig" if "trig" in fmt else "nquads")
    with pytest.raises(QueryError):
        store.dump("text/turtle")  # no named graphs in Turtle


def test_select_converts_values(store: Store) -> None:
    rows = store.select(
        "SELECT ?i ?d ?b ?s ?iri ?date ?none WHERE { "
        "BIND(7 AS ?i) BIND(2.5 AS ?d) BIND(true AS ?b) BIND('x'@vi AS ?s) "
        "BIND(<https://example.org/a> AS ?iri) BIND('2025-03'^^xsd:gYearMonth AS ?date) }"
    )
    assert rows == [{"i": 7, "d": 2.5, "b": True, "s": "x", "iri": "https://example.org/a", "date": "2025-03"}]


def test_store_persists_and_locks(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "store"
    with Store.open(path) as first:
        ingest(first, [directive()])
        with pytest.raises(StoreError) as info:
            Store.open(path)  # locked while open
        assert str(path) in str(info.value)
    with Store.open(path) as again:
        assert len(again.select("SELECT ?d WHERE { ?d pg:title ?t }")) == 1
    a_file = tmp_path / "file"
    a_file.write_text("not a store")
    with pytest.raises(StoreError) as info:
        Store.open(a_file)
    assert str(a_file) in str(info.value)
    closed = Store.open(None)
    closed.close()
    with pytest.raises(StoreError):
        closed.graphs()
