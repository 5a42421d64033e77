//go:build !f1monthly

package report

import "errors"

func monthlyXLSX(b *xlsxBook, m *Monthly) error { return errors.New("monthly report: not built yet") }
