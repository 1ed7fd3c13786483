
Ê
DataValidationError®In task golden.output_conversion_error variable o0, failed to serialize/deserialize because of Expected value of type <class 'int'> but got 'not an int' of type <class 'str'> 