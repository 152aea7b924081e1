package server

var campaignAccess = map[string]string{}
