package kind

import "fmt"

// ParamError is what Validate returns to blame one parameter: the loader then points at that
// parameter's line in the checklist rather than at the check as a whole.
type ParamError struct {
	Param string
	Err   error
}

func (e *ParamError) Error() string { return fmt.Sprintf("%s: %v", e.Param, e.Err) }

func (e *ParamError) Unwrap() error { return e.Err }

// BadParam builds a ParamError.
func BadParam(param, format string, args ...any) error {
	return &ParamError{Param: param, Err: fmt.Errorf(format, args...)}
}
