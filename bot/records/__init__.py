"""Consultation records for staff review (002 §6.2 d, f; §7.4.10; §10; §11): the record of every
consultation, search and export, satisfaction, complaints, quality inspection and figures."""
