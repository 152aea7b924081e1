package server

func (s *Server) campaignRoutes() []route { return nil }
