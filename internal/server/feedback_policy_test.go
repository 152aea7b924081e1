package server

var feedbackAccess = map[string]string{}
