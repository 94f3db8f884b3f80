DROP TRIGGER agenda_item_projects_oparl_unlinked ON agenda_item_projects;
DROP TRIGGER agenda_item_projects_oparl_linked ON agenda_item_projects;
DROP FUNCTION oparl_consultation_unlinked();
DROP FUNCTION oparl_consultation_linked();
DROP TABLE oparl_consultations;
