package connect

import (
	"fmt"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/transport"
)

// SQLTarget turns a database asset into a connection target, its password
// reference resolved. The asset's database.tls decides whether the password
// may ever travel in clear (see transport.SQLTarget).
func SQLTarget(a *inventory.Asset) (transport.SQLTarget, error) {
	if a == nil || a.Database == nil || a.Database.Engine == "" {
		name := "?"
		if a != nil {
			name = a.Name
		}
		return transport.SQLTarget{}, fmt.Errorf("%s: no database engine configured", name)
	}
	if transport.NormalizeEngine(a.Database.Engine) == "" {
		return transport.SQLTarget{}, fmt.Errorf("%s: database engine %q is not supported (postgresql, mysql, mariadb)", a.Name, a.Database.Engine)
	}
	pw, err := a.Database.Password.Resolve()
	if err != nil {
		return transport.SQLTarget{}, fmt.Errorf("%s: database password: %w", a.Name, err)
	}
	db := a.Database.Database
	if db == "" && transport.NormalizeEngine(a.Database.Engine) == transport.EnginePostgres {
		db = "postgres"
	}
	return transport.SQLTarget{
		Name: a.Name, Engine: a.Database.Engine, Host: a.Address, Port: a.Port,
		Database: db, User: a.Database.User, Password: pw, TLS: a.Database.TLS,
	}, nil
}
