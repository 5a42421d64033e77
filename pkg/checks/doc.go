package checks

//go:generate go run ../../internal/checkdoc/cmd .

// Doc returns the documentation of check type typ — its doc comment in the
// source, with parameters, defaults and thresholds — or "" for an unknown
// type. `hcops inspect checks TYPE` shows it.
func Doc(typ string) string { return docs[typ] }
