package i18n

// Error is an error whose text is a catalogue message: Error is its English
// text (what logs and callers that compare text see, unchanged), and a
// message that quotes it renders it in its own language (see Coded).
type Error struct{ Sub }

// NewError returns the error of message key with args.
func NewError(key string, args ...any) *Error { return &Error{S(key, args...)} }

func (e *Error) Error() string { return Render(EN, e.Key, e.Args) }

// I18n is the error's message (Coded).
func (e *Error) I18n() Sub { return e.Sub }
