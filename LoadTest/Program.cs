Console.WriteLine("Load generator: not implemented yet.");
