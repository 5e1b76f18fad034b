"""Upload formats: what a file claims to be (`declared`), one reader per format (`readers`), and the upload's
check built on those readers (`checks`). The scorer reads its documents through the same readers."""
