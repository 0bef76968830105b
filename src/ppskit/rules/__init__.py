"""The rules engine: a profile's requirements applied to the ledger on a date.

* :mod:`.requirements` — one function per requirement kind (age, education, yes/no
  fact, hours of a category);
* :mod:`.exams` — exam series: sittings, retakes, attempt limits;
* :mod:`.certificates` — certificate periods, expiry, renewal window and CE;
* :mod:`.stages` — stage selection, in the order the rule text reads;
* :mod:`.engine` — puts them together over whole columns.

Code knows the kinds; every number and every label comes from the profile.
"""
