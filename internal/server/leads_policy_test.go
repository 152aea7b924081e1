package server

var leadAccess = map[string]string{}
