"""The hall assembled: the four services composed into one system. The `govhall` command line,
the embedded mode (all four in one process), the demo hall, and the documents generated from
every service (the AsyncAPI catalogue, the access matrix). The services never import this
package, and neither does `shared/`, the library under them."""
