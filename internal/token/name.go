package token

// ValidName reports whether name can name a profile or a cache slot (and so a
// file name on every OS): a letter or digit, then up to 79 letters, digits, '_', '.' or
// '-'. A loop, not a regexp: compiling one costs every start of nxcred.
func ValidName(name string) bool { return nameOK(name, 80) }

// nameOK reports whether s is 1..max bytes of [A-Za-z0-9_.-] starting with
// a letter or digit.
func nameOK(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}
