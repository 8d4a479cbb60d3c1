"""Sample data for Qingwang: a seeded world of enterprises and devices, the regulator data
built from it (``samples.make_registry``), and rendered certificates with ground truth
(``samples.documents.generate``). Everything here is fictional; see samples/README.md.
"""
