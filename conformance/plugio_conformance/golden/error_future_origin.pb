
(
NEWERNEWER happened *×Ù×®€åšw