"""Other DKP tools' histories, read into one neutral form (``history``) that the importer takes.

Pure Python, no Django: a reader is a function from a source (tables of an OpenDKP or EQdkp Plus
database, from a live server or a mysqldump file; a folder of CSV files; an exported JSON document)
to a ``SourceHistory`` with row-numbered problems, in the manner of the raid-dump parser.
"""
