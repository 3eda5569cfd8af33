import { defineConfig } from "vitest/config";
import { strataVitest } from "../../vitest.shared.js";

export default defineConfig(strataVitest());
