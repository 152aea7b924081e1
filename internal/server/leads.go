package server

func (s *Server) leadRoutes() []route { return nil }
