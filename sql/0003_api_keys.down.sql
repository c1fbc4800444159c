-- 0003_api_keys (down).
DROP TABLE ember_api_keys;
