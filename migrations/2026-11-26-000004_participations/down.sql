DROP TABLE participation_history;
DROP TABLE council_consultations;
DROP TABLE council_resolutions;
DROP TABLE participations;
