
8
SYSTEM:ConvertSYSTEM:Convert happened *×Ù×®€åšw