"""Regulator leads (线索): what a bureau sends a platform to verify, handle and answer.

Pure, like the rest of ``verifiers/``: the gateway stores leads and calls these.

- :mod:`~verifiers.leads.states`: the closed loop 监测—分办—核查—反馈 as a state machine
- :mod:`~verifiers.leads.matching`: how a lead's subject is matched to merchants and listings
- :mod:`~verifiers.leads.sheet`: reading a bureau's lead spreadsheet (XLSX or CSV, Chinese headers)
- :mod:`~verifiers.leads.answer`: the answer to the bureau (反馈) as JSON, XLSX and PDF
"""
