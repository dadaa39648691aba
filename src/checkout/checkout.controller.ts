import { applyDecorators, Controller, Get, Header, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { Public } from '../auth/access.decorators.js';

/** The page and its script sit beside this file (nest-cli copies static/ to dist). */
const STATIC_DIR = new URL('./static/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, STATIC_DIR), 'utf8');

// The page talks only to this origin and loads nothing else; the token in the fragment never leaves the page.
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A static file's answer: never cached (the page changes with the code), never sniffed as another type. */
const Serves = (contentType: string, extra: Record<string, string> = {}) =>
  applyDecorators(
    HttpCode(HttpStatus.OK),
    ...Object.entries({ 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra }).map(([name, value]) => Header(name, value)),
  );

/** GET /checkout: the example checkout page a frontend developer can copy (plain HTML and JS, a user token, one key per attempt). */
@ApiExcludeController()
@Public()
@Controller('checkout')
export class CheckoutController {
  private readonly files = { page: read('index.html'), script: read('checkout.js'), style: read('checkout.css') };

  @Get()
  @Serves('text/html; charset=utf-8', { 'Content-Security-Policy': PAGE_POLICY, 'Referrer-Policy': 'no-referrer' })
  page(): string {
    return this.files.page;
  }

  @Get('checkout.js')
  @Serves('text/javascript; charset=utf-8')
  script(): string {
    return this.files.script;
  }

  @Get('checkout.css')
  @Serves('text/css; charset=utf-8')
  style(): string {
    return this.files.style;
  }
}
