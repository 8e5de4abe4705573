"""policygraph: a knowledge graph over Vietnamese government policy plans.

The package is one import namespace over the project's top-level folders:
``policygraph.loaders`` (read documents into records), ``policygraph.graph`` (records to RDF,
the store), ``policygraph.queries`` (named SPARQL questions), ``policygraph.api`` (HTTP) and
``policygraph.ontology`` (the OWL ontology and vocabularies as data).
"""

__version__ = "0.1.0"
