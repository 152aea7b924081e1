package server

func (s *Server) feedbackRoutes() []route { return nil }
